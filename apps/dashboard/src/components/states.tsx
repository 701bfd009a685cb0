import { ComponentChildren } from 'preact';
import { Loaded } from './use-api';

/** Loading, error (the problem's detail) and empty states around a panel's content. */
export function Show<T>(props: {
  state: Loaded<T>;
  empty?: (data: T) => boolean;
  emptyText?: string;
  children: (data: T) => ComponentChildren;
}) {
  const { state } = props;
  if (state.error)
    return (
      <p class="error" role="alert">
        {state.error}
      </p>
    );
  if (state.data === undefined)
    return (
      <p class="muted" aria-busy="true">
        Loading…
      </p>
    );
  if (props.empty?.(state.data)) return <p class="muted">{props.emptyText ?? 'Nothing yet.'}</p>;
  return <>{props.children(state.data)}</>;
}

export function Panel(props: { title: string; children: ComponentChildren; wide?: boolean }) {
  return (
    <section class={props.wide ? 'panel wide' : 'panel'} aria-label={props.title}>
      <h2>{props.title}</h2>
      {props.children}
    </section>
  );
}

export const money = (amounts: Record<string, number> | undefined) =>
  Object.entries(amounts ?? {})
    .map(([currency, value]) => `${Math.round(value).toLocaleString('en-US')} ${currency}`)
    .join(' · ') || '–';

export function Band(props: { band: string | null }) {
  const band = props.band ?? 'no data';
  return <span class={`band band-${band.replace(' ', '-')}`}>{band}</span>;
}

/** The overdue mark of an action, a goal, a cadence or a date. */
export function Overdue(props: { when: boolean }) {
  return props.when ? <span class="tag tag-alert">overdue</span> : null;
}
