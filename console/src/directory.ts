// Finding users. dcaas has no users endpoint yet, so the console knows users only by the ids the
// API shows (API keys' owners for admins, space owners and members), plus the signed-in user by
// name. When GET /api/v1/users arrives, search it here and every picker gains names.
import { useQuery } from "@tanstack/react-query";
import { get } from "./api";
import { useSession } from "./session";
import type { ApiKey, Assignment, Space } from "./types";

export interface KnownUser {
  id: string;
  label: string;
}

export function useKnownUsers(spaces: Space[] | undefined, members: Assignment[] | undefined): KnownUser[] {
  const { me } = useSession();
  const keys = useQuery({
    queryKey: ["api-keys"],
    queryFn: ({ signal }) => get<{ data: ApiKey[] }>("/api/v1/api-keys", signal).then((a) => a.data),
    enabled: !!me?.isAdmin,
    staleTime: 30_000,
  });
  const ids = new Set<string>();
  for (const key of keys.data ?? []) ids.add(key.sub);
  for (const space of spaces ?? []) ids.add(space.ownerId);
  for (const member of members ?? []) ids.add(member.assigneeId);
  return [...ids].map((id) => ({ id, label: id === me?.userId ? `${id} (you, ${me.subject})` : id }));
}
