import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, EventStore } from '@rapport/event-store';
import { CLOCK, Clock, problem, problemTypes } from '@rapport/platform';

/** A read's two times: what was recorded by then (knowledge time) and when in the facts' world (valid time). */
export interface Knowledge {
  /** The asOf as the request gave it, normalised: an ISO instant or a global position; null for the read model's. */
  asOf: string | number | null;
  /** The last global position the answer reflects. */
  position: number;
  /** Valid time: `at`, else the asOf instant (for a position: when that event was recorded). */
  at: Date;
}

function invalid(field: string, message: string) {
  return problem(HttpStatus.BAD_REQUEST, problemTypes.invalidRequest, 'Invalid request', `${field} ${message}`, [{ field, message }]);
}

/** Turns `asOf` and `at` into a position of the log and an instant, refusing the future. */
@Injectable()
export class KnowledgeTime {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Undefined when the request names neither: the read model answers. With `at` alone, what the read model holds
   * (`readModelPosition`) at that instant.
   */
  async resolve(asOf: string | undefined, at?: string, readModelPosition?: () => Promise<number>): Promise<Knowledge | undefined> {
    const now = this.clock();
    const validTime = at === undefined ? undefined : this.validTime(at, now);
    if (asOf === undefined) {
      if (!validTime || !readModelPosition) return undefined;
      return { asOf: null, position: await readModelPosition(), at: validTime };
    }
    if (/^\d+$/.test(asOf)) {
      const position = Number(asOf);
      const head = await this.store.headPosition();
      if (position > head) throw invalid('asOf', `must not be beyond the log's head (position ${head})`);
      const [event] = position === 0 ? [] : await this.store.readAll({ after: position - 1, limit: 1 });
      return { asOf: position, position, at: validTime ?? event?.recordedAt ?? new Date(0) };
    }
    const instant = new Date(asOf);
    if (instant.getTime() > now.getTime()) throw invalid('asOf', 'must not be in the future');
    return { asOf: instant.toISOString(), position: await this.store.positionAt(instant), at: validTime ?? instant };
  }

  /** A past instant, from the parameter `field` (`at` unless named). */
  validTime(value: string, now = this.clock(), field = 'at'): Date {
    const when = new Date(value);
    if (when.getTime() > now.getTime()) throw invalid(field, 'must not be in the future');
    return when;
  }
}
