import { Global, Module } from '@nestjs/common';
import { CLOCK, systemClock } from './clock';

/** The apps' one clock (the domain never reads one); tests start apps with their own. */
@Global()
@Module({ providers: [{ provide: CLOCK, useValue: systemClock }], exports: [CLOCK] })
export class ClockModule {}
