import { ComponentChildren } from 'preact';
import { navigate } from '../router';

/** A link within the dashboard: a real href (new tabs, copying), followed without a page load. */
export function PageLink(props: { to: string; children: ComponentChildren }) {
  return (
    <a
      href={props.to}
      onClick={(e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(props.to);
      }}
    >
      {props.children}
    </a>
  );
}

export const accountPath = (accountId: string) => `/accounts/${encodeURIComponent(accountId)}`;
