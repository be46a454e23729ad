// Who is signed in. The API key typed at sign-in goes to the server once and is forgotten; the
// session lives in an HttpOnly cookie, and the CSRF token only in this page's memory.
import { useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { ApiError, call, get, setCsrfToken, SIGNED_OUT_EVENT } from "./api";
import { forgetTests } from "./lastTest";
import type { ConsoleConfig, Me } from "./types";

interface SessionValue {
  me: Me | null;
  config: ConsoleConfig | null;
  loading: boolean;
  signIn(apiKey: string): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside SessionProvider");
  return value;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [config, setConfig] = useState<ConsoleConfig | null>(null);
  const [loading, setLoading] = useState(true);
  const queries = useQueryClient();

  const adopt = useCallback((who: Me | null) => {
    setCsrfToken(who?.csrfToken ?? null);
    setMe(who);
  }, []);

  useEffect(() => {
    let live = true;
    Promise.allSettled([get<Me>("/api/v1/console/session"), get<ConsoleConfig>("/api/v1/console/config")]).then(
      ([who, conf]) => {
        if (!live) return;
        adopt(who.status === "fulfilled" ? who.value : null);
        if (conf.status === "fulfilled") setConfig(conf.value);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [adopt]);

  useEffect(() => {
    const ended = () => {
      queries.clear();
      adopt(null);
    };
    window.addEventListener(SIGNED_OUT_EVENT, ended);
    return () => window.removeEventListener(SIGNED_OUT_EVENT, ended);
  }, [adopt, queries]);

  const signIn = useCallback(
    async (apiKey: string) => {
      const answer = await call<Me>("POST", "/api/v1/console/session", { body: { apiKey } });
      queries.clear();
      adopt(answer.data);
    },
    [adopt, queries],
  );

  const signOut = useCallback(async () => {
    try {
      await call("DELETE", "/api/v1/console/session");
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
    }
    queries.clear();
    forgetTests();
    adopt(null);
    // A new document: nothing private stays in memory, and Back loads pages that ask the API again.
    window.location.replace("/sign-in");
  }, [adopt, queries]);

  const value = useMemo(() => ({ me, config, loading, signIn, signOut }), [me, config, loading, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
