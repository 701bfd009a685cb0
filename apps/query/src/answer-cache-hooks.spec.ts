import 'reflect-metadata';
import { CanActivate, Controller, Get, UseGuards } from '@nestjs/common';
import { CachedAnswer, cachedRoute, hasOwnGuards } from './answer-cache-hooks';

class Refuse implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

@Controller('open')
class OpenController {
  @Get(':id')
  @CachedAnswer({ accountParam: 'id' })
  account(): string {
    return 'a';
  }

  @Get()
  list(): string {
    return 'l';
  }
}

@Controller('guarded')
@UseGuards(Refuse)
class GuardedController {
  @Get()
  @CachedAnswer()
  list(): string {
    return 'l';
  }
}

@Controller('method-guarded')
class MethodGuardedController {
  @Get()
  @UseGuards(Refuse)
  @CachedAnswer()
  list(): string {
    return 'l';
  }
}

describe('@CachedAnswer()', () => {
  it("names the route's controller and handler in its Fastify config, for the hook to run the guards on", () => {
    const handler = OpenController.prototype.account;
    expect(cachedRoute(handler)).toEqual({ accountParam: 'id', controller: OpenController, handler });
    expect(cachedRoute(OpenController.prototype.list)).toBeUndefined();
  });

  it('leaves a route with guards of its own, on it or on its controller, to Nest', () => {
    expect(hasOwnGuards(cachedRoute(OpenController.prototype.account)!)).toBe(false);
    expect(hasOwnGuards(cachedRoute(GuardedController.prototype.list)!)).toBe(true);
    expect(hasOwnGuards(cachedRoute(MethodGuardedController.prototype.list)!)).toBe(true);
  });
});
