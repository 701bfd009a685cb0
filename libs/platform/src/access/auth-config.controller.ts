import { Controller, Get } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from './access.guard';

/**
 * How a browser signs in (public: the dashboard asks before it has a credential). With an identity provider and the
 * dashboard's client id, the dashboard runs the authorization-code flow with PKCE against it and sends the access token.
 */
@ApiTags('access')
@Controller('v1/auth')
@Public()
export class AuthConfigController {
  constructor(private readonly config: ConfigService) {}

  @Get('config')
  @ApiOperation({ summary: 'The identity provider the dashboard may sign in with: {oidc: {issuer, clientId, audience} | null}' })
  authConfig() {
    const issuer = this.config.get<string>('RAPPORT_OIDC_ISSUER');
    const clientId = this.config.get<string>('RAPPORT_OIDC_CLIENT_ID');
    return { oidc: issuer && clientId ? { issuer, clientId, audience: this.config.get<string>('RAPPORT_OIDC_AUDIENCE') ?? null } : null };
  }
}
