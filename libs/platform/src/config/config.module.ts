import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { RapportEnvironment, validateEnvironment } from './rapport-config';

/**
 * The validated environment, global: a bad variable stops the start with its name.
 * `overrides` (set by the standalone launcher and by tests) take precedence over the environment.
 */
@Module({})
export class RapportConfigModule {
  static forRoot(overrides: Partial<RapportEnvironment> = {}): DynamicModule {
    const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
    return {
      module: RapportConfigModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          validate: (env) => validateEnvironment({ ...env, ...defined }),
          load: [() => defined],
        }),
      ],
    };
  }
}
