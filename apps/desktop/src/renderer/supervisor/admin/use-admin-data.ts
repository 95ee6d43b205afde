import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '@vox/shared';

/** Loads what an admin panel shows, again after each change (`reload`), with the error to show. */
export function useAdminData<T>(load: () => Promise<T>) {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let current = true;
    load().then(
      (loaded) => {
        if (!current) return;
        setData(loaded);
        setError(undefined);
      },
      (e: unknown) => {
        if (current) setError(errorMessage(e));
      },
    );
    return () => {
      current = false;
    };
  }, [load, version]);
  const reload = useCallback(async () => setVersion((v) => v + 1), []);
  return { data, error, setError, reload };
}
