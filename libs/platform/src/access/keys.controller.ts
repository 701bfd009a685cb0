import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { IsInstantWithZone, SOURCE_SYSTEM_PATTERN } from '@rapport/domain';
import { CLOCK, Clock } from '../clock';
import { problem, problemTypes } from '../http/problem';
import { RequiresScope } from './access.guard';
import { Scope, SCOPES } from './api-key';
import { ApiKey, ApiKeyStore } from './key-store';

export class CreateKeyBody {
  @ApiProperty({ example: 'crm integration' })
  @IsString({ message: 'must be a string' })
  @Length(1, 200, { message: 'must be a string of 1 to 200 characters' })
  name!: string;

  @ApiProperty({ enum: SCOPES, isArray: true })
  @IsArray({ message: `must be a list of scopes (${SCOPES.join(', ')})` })
  @ArrayMinSize(1, { message: 'must name at least one scope' })
  @IsIn(SCOPES, { each: true, message: `each scope must be one of: ${SCOPES.join(', ')}` })
  scopes!: Scope[];

  @ApiPropertyOptional({ description: 'Source systems an events:write key may write for.', example: ['crm'] })
  @IsOptional()
  @IsArray({ message: 'must be a list of source system names' })
  @ArrayMaxSize(100, { message: 'must name at most 100 systems' })
  @Matches(SOURCE_SYSTEM_PATTERN, { each: true, message: `each system must match ${SOURCE_SYSTEM_PATTERN.source}` })
  systems?: string[];

  @ApiPropertyOptional({ description: 'An instant with a zone; the key is refused from then on.' })
  @IsOptional()
  @IsInstantWithZone()
  expiresAt?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function keyView(key: ApiKey) {
  return {
    id: key.id,
    name: key.name,
    scopes: key.scopes,
    systems: key.systems,
    createdAt: key.createdAt.toISOString(),
    expiresAt: key.expiresAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}

/** API keys: created with their secret shown once, listed without secrets, revoked for every process within a second. */
@ApiTags('keys')
@Controller('v1/keys')
@RequiresScope('admin')
export class KeysController {
  constructor(
    private readonly keys: ApiKeyStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key; the answer holds its secret, shown this once' })
  async create(@Body() body: CreateKeyBody) {
    const systems = [...new Set(body.systems ?? [])];
    const invalid = (field: string, message: string) =>
      problem(HttpStatus.BAD_REQUEST, problemTypes.invalidRequest, 'Invalid request', `${field} ${message}`, [{ field, message }]);
    if (body.scopes.includes('events:write') && !body.scopes.includes('admin') && systems.length === 0) {
      throw invalid('systems', 'must name the source systems an events:write key may write for');
    }
    const expiresAt = body.expiresAt === undefined ? null : new Date(body.expiresAt);
    if (expiresAt && expiresAt.getTime() <= this.clock().getTime()) throw invalid('expiresAt', 'must be in the future');
    const { key, secret } = await this.keys.create({ name: body.name, scopes: [...new Set(body.scopes)], systems, expiresAt });
    const { revokedAt: _revokedAt, ...view } = keyView(key);
    return { ...view, key: secret };
  }

  @Get()
  @ApiOperation({ summary: 'Every API key, newest first, without secrets' })
  async list() {
    return { keys: (await this.keys.list()).map(keyView) };
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Revoke an API key: refused everywhere within a second' })
  async revoke(@Param('id') id: string): Promise<void> {
    if (!UUID.test(id)) {
      throw problem(HttpStatus.BAD_REQUEST, problemTypes.invalidRequest, 'Invalid request', 'a key id is a UUID', [
        { field: 'id', message: 'must be a UUID' },
      ]);
    }
    if (!(await this.keys.revoke(id.toLowerCase()))) {
      throw problem(HttpStatus.NOT_FOUND, problemTypes.notFound, 'Key not found', `no API key with id ${id}`);
    }
  }
}
