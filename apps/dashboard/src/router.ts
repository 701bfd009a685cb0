import { useEffect, useState } from 'preact/hooks';

/** The page and its query, from the URL: deep links and the back button work, filters live in the URL. */
export function useLocation(): URL {
  const [url, setUrl] = useState(() => new URL(window.location.href));
  useEffect(() => {
    const update = () => setUrl(new URL(window.location.href));
    window.addEventListener('popstate', update);
    window.addEventListener('rapport:navigate', update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener('rapport:navigate', update);
    };
  }, []);
  return url;
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new Event('rapport:navigate'));
}

/** A query parameter changed in place (filters), keeping the others. */
export function withParam(url: URL, name: string, value: string | null): string {
  const next = new URL(url.href);
  if (value === null || value === '') next.searchParams.delete(name);
  else next.searchParams.set(name, value);
  return `${next.pathname}${next.search}`;
}
