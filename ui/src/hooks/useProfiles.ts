//! The tunnel profiles, read once and read again on each `ProfilesChanged` (the event carries
//! nothing: whether a token is set is the keyring's to say, so the engine is asked again).

import { useEffect, useRef, useState } from "react";
import { errorMessage } from "../api";
import type { ProfileInfo } from "../api/types/ProfileInfo";
import { useApi } from "../ApiContext";

export interface LiveProfiles {
  profiles: ProfileInfo[];
  /** Why the last read failed, if it did. */
  error: string | null;
}

export function useProfiles(): LiveProfiles {
  const api = useApi();
  const [profiles, setProfiles] = useState<ProfileInfo[]>([]);
  const [error, setError] = useState<string | null>(null);
  // Only the latest read may write: an older one answering late would show stale profiles.
  const generation = useRef(0);

  useEffect(() => {
    const read = () => {
      const mine = ++generation.current;
      api.listProfiles().then(
        (list) => {
          if (mine !== generation.current) return;
          setProfiles(list);
          setError(null);
        },
        (e) => {
          if (mine === generation.current) setError(errorMessage(e));
        },
      );
    };
    read();
    const unsubscribe = api.subscribe((event) => {
      if (event.type === "ProfilesChanged") read();
    });
    return () => {
      // Whatever is still being read belongs to an unmounted view.
      generation.current++;
      unsubscribe();
    };
  }, [api]);

  return { profiles, error };
}
