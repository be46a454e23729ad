import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { cursorOf, get, query, scimString } from "../api";
import { sourceLabel, spaceLabel, useCatalog, useSpaces } from "../catalog";
import { ago, Busy, Empty, ErrorBox, formatDate, PageHeading } from "../components/common";
import { lastTest } from "../lastTest";
import { useSession } from "../session";
import type { Connections } from "../types";

const SORTS = [
  { value: "+qName", label: "Name, A to Z" },
  { value: "-qName", label: "Name, Z to A" },
  { value: "-updated", label: "Recently changed" },
  { value: "-created", label: "Newest" },
  { value: "+created", label: "Oldest" },
];
const PAGE_SIZE = 20;

function useDebounced<T>(value: T, ms: number): T {
  const [current, setCurrent] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setCurrent(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return current;
}

function LastTestCell({ id }: { id: string }) {
  const test = lastTest(id);
  if (!test) return <span className="muted">not tested in this session</span>;
  return (
    <span>
      <span className={`badge ${test.status}`}>{test.status}</span> <small>{ago(test.at)}</small>
      {test.failedStep ? <small className="muted"> at {test.failedStep}</small> : null}
    </span>
  );
}

export function ConnectionList() {
  const { me } = useSession();
  const [search, setSearch] = useState("");
  const [space, setSpace] = useState("");
  const [sort, setSort] = useState("+qName");
  const [page, setPage] = useState<string | null>(null);
  const term = useDebounced(search.trim(), 300);
  const catalog = useCatalog();
  const spaces = useSpaces();

  useEffect(() => setPage(null), [term, space, sort]);

  const list = useQuery({
    queryKey: ["connections", term, space, sort, page],
    placeholderData: keepPreviousData,
    queryFn: ({ signal }) =>
      get<Connections>(
        `/api/v1/data-connections${query({
          limit: PAGE_SIZE,
          sort,
          page,
          spaceId: space || null,
          filter: term ? `qName co ${scimString(term)}` : null,
          caseinsensitive: term ? true : null,
        })}`,
        signal,
      ),
  });
  const next = cursorOf(list.data?.links.next?.href);
  const prev = cursorOf(list.data?.links.prev?.href);
  const spaceById = new Map((spaces.data ?? []).map((s) => [s.id, s]));

  return (
    <>
      <PageHeading title="Connections">
        <Link to="/connections/new" role="button">
          New connection
        </Link>
      </PageHeading>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search by name
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="Name contains…" />
        </label>
        <label>
          Space
          <select value={space} onChange={(e) => setSpace(e.target.value)}>
            <option value="">All spaces I can see</option>
            {(spaces.data ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {spaceLabel(s, me?.userId)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Sort
          <select value={sort} onChange={(e) => setSort(e.target.value)}>
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
      </form>
      <ErrorBox error={list.error} onRetry={() => void list.refetch()} />
      {list.isPending ? <Busy label="Loading connections" /> : null}
      {list.data && list.data.data.length === 0 ? (
        term || space ? (
          <Empty title="No connection matches.">
            <p>Try another name or space.</p>
          </Empty>
        ) : (
          <Empty title="No connections yet.">
            <p>
              A connection holds how to reach a data source; its secrets are stored encrypted and never shown.{" "}
              <Link to="/connections/new">Create the first one</Link>.
            </p>
          </Empty>
        )
      ) : null}
      {list.data && list.data.data.length > 0 ? (
        <>
          <p className="muted" aria-live="polite">
            {list.data.meta.count} connection{list.data.meta.count === 1 ? "" : "s"}
            {list.isFetching ? " (updating…)" : ""}
          </p>
          <div className="table-scroll">
            <table className="connections">
              <caption className="visually-hidden">Connections</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Data source</th>
                  <th scope="col">Space</th>
                  <th scope="col">Changed</th>
                  <th scope="col">Last test</th>
                </tr>
              </thead>
              <tbody>
                {list.data.data.map((c) => (
                  <tr key={c.qID}>
                    <th scope="row">
                      <Link to={`/connections/${c.qID}`}>{c.qName}</Link>
                      {c.authStatus === "needs-reauthentication" ? <small className="badge failed"> needs authorization</small> : null}
                    </th>
                    <td>
                      <span className="badge source">{sourceLabel(catalog.data, c.datasourceID)}</span>
                    </td>
                    <td>{spaceLabel(spaceById.get(c.space), me?.userId) || c.space}</td>
                    <td>
                      <time dateTime={c.updated}>{formatDate(c.updated)}</time>
                    </td>
                    <td>
                      <LastTestCell id={c.qID} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Pages">
            <button type="button" className="secondary" disabled={!prev} onClick={() => setPage(prev)}>
              Previous page
            </button>
            <button type="button" className="secondary" disabled={!next} onClick={() => setPage(next)}>
              Next page
            </button>
          </nav>
        </>
      ) : null}
    </>
  );
}
