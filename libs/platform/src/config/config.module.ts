import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { RapportEnvironment, validateEnvironment } from './rapport-config';

/**
 * The validated environment, global: a bad variable stops the start with its name.
 * `overrides` (set by the standalone launcher and by tests) take precedence over the environment. The environment is
 * read, never written: ConfigModule's own `validate` would copy every value into process.env, and one app's settings
 * would leak into the next app started in the same process (tests start many).
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
          ignoreEnvVars: true,
          skipProcessEnv: true,
          load: [() => ({ ...validateEnvironment({ ...process.env, ...defined }) })],
        }),
      ],
    };
  }
}
