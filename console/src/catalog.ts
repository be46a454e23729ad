// Lookups most pages need: the data-source catalog and the spaces the user can see.
import { useQuery } from "@tanstack/react-query";
import { get, query } from "./api";
import type { DataSource, Space } from "./types";

export function useCatalog(includeDisabled = false) {
  return useQuery({
    queryKey: ["data-sources", includeDisabled],
    queryFn: ({ signal }) =>
      get<{ dataSources: DataSource[] }>(`/api/v1/data-sources${query({ includeDisabled })}`, signal).then(
        (a) => a.dataSources,
      ),
    staleTime: 60_000,
  });
}

export function useSpaces() {
  return useQuery({
    queryKey: ["spaces"],
    queryFn: ({ signal }) => get<{ data: Space[] }>("/api/v1/spaces?limit=100", signal).then((a) => a.data),
    staleTime: 30_000,
  });
}

export function spaceLabel(space: Space | undefined, myUserId: string | undefined): string {
  if (!space) return "";
  if (space.type === "personal") return space.ownerId === myUserId ? "My space (personal)" : `Personal space of ${space.ownerId}`;
  return space.name;
}

export function sourceLabel(sources: DataSource[] | undefined, id: string): string {
  return sources?.find((s) => s.dataSourceId === id)?.name ?? id;
}

export function isOAuth(source: DataSource | undefined): boolean {
  return !!source && source.capabilities.includes("oauth2");
}
