import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';

export interface Loaded<T> {
  data?: T;
  error?: string;
  loading: boolean;
}

/** The answer of a GET route, reloaded when the path (or `reload`) changes; null path: nothing to load. */
export function useApi<T>(path: string | null, reload = 0): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ loading: path !== null });
  useEffect(() => {
    if (path === null) return setState({ loading: false });
    let current = true;
    setState((previous) => ({ data: previous.data, loading: true }));
    api<T>(path).then(
      (data) => current && setState({ data, loading: false }),
      (error: Error) => current && setState({ error: error.message, loading: false }),
    );
    return () => {
      current = false;
    };
  }, [path, reload]);
  return state;
}
