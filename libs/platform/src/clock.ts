/** The time source of the apps. The domain never reads a clock; the apps pass it this one's time. */
export const CLOCK = Symbol('Clock');
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
