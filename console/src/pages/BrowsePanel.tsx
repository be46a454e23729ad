// What is behind a connection, as a tree loaded one page at a time, and a preview of its start.
import { useState } from "react";
import { call, cursorOf, query } from "../api";
import { Busy, Empty, ErrorBox } from "../components/common";
import type { BrowseItem, BrowsePage, Preview } from "../types";

// From the API's entry types: what holds more entries, and what has rows or bytes to preview.
const CONTAINERS = new Set(["bucket", "folder", "schema", "table", "view"]);
const PREVIEWABLE = new Set(["file", "table", "view", "endpoint"]);
const PAGE = 100;

interface NodeState {
  items: BrowseItem[];
  next: string | null;
  loading: boolean;
  error: unknown;
}

function useBrowse(connectionId: string) {
  const [nodes, setNodes] = useState<Record<string, NodeState>>({});
  const load = async (path: string, page: string | null) => {
    setNodes((all) => ({ ...all, [path]: { items: all[path]?.items ?? [], next: all[path]?.next ?? null, loading: true, error: null } }));
    try {
      const answer = await call<BrowsePage>("GET", `/api/v1/data-connections/${connectionId}/browse${query({ path, limit: PAGE, page })}`);
      setNodes((all) => ({
        ...all,
        [path]: { items: [...(page ? all[path]?.items ?? [] : []), ...answer.data.data], next: cursorOf(answer.data.links.next?.href), loading: false, error: null },
      }));
    } catch (error) {
      setNodes((all) => ({ ...all, [path]: { items: all[path]?.items ?? [], next: all[path]?.next ?? null, loading: false, error } }));
    }
  };
  return { nodes, load };
}

function Level({
  path,
  browse,
  expanded,
  toggle,
  onPreview,
}: {
  path: string;
  browse: ReturnType<typeof useBrowse>;
  expanded: Set<string>;
  toggle: (item: BrowseItem) => void;
  onPreview: (item: BrowseItem) => void;
}) {
  const node = browse.nodes[path];
  if (!node) return null;
  return (
    <>
      <ErrorBox error={node.error} onRetry={() => void browse.load(path, null)} />
      {!node.loading && !node.error && node.items.length === 0 ? <p className="muted">Nothing here.</p> : null}
      <ul className="tree" role="list">
        {node.items.map((item) => {
          const open = expanded.has(item.path);
          return (
            <li key={`${item.type}:${item.path}`}>
              <div className="tree-row">
                {CONTAINERS.has(item.type) ? (
                  <button type="button" className="tree-toggle secondary outline" aria-expanded={open} onClick={() => toggle(item)}>
                    <span aria-hidden="true">{open ? "▾" : "▸"}</span> {item.name}
                  </button>
                ) : (
                  <span className="tree-leaf">{item.name || "(the endpoint)"}</span>
                )}
                <small className="badge">{item.type}</small>
                {item.size !== undefined && item.size !== null ? <small className="muted">{item.size} bytes</small> : null}
                {item.extra?.dataType ? <small className="muted">{String(item.extra.dataType)}</small> : null}
                {PREVIEWABLE.has(item.type) ? (
                  <button type="button" className="secondary outline small" onClick={() => onPreview(item)} aria-label={`Preview ${item.name || item.path || "the endpoint"}`}>
                    Preview
                  </button>
                ) : null}
              </div>
              {open ? <Level path={item.path} browse={browse} expanded={expanded} toggle={toggle} onPreview={onPreview} /> : null}
            </li>
          );
        })}
      </ul>
      {node.loading ? <Busy label="Loading" /> : null}
      {node.next && !node.loading ? (
        <button type="button" className="secondary outline small" onClick={() => void browse.load(path, node.next)}>
          Load more
        </button>
      ) : null}
    </>
  );
}

function PreviewTable({ preview }: { preview: Preview }) {
  if (preview.kind === "rows") {
    return (
      <div className="table-scroll">
        <table className="preview">
          <caption>
            First {preview.rows?.length ?? 0} rows of {preview.path || "the endpoint"}
            {preview.truncated ? " (more exist)" : ""}
          </caption>
          <thead>
            <tr>
              {(preview.columns ?? []).map((c) => (
                <th scope="col" key={c}>
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {(preview.rows ?? []).map((row, i) => (
              <tr key={i}>
                {row.map((cell, k) => (
                  <td key={k}>{cell === null ? <span className="muted">null</span> : typeof cell === "object" ? JSON.stringify(cell) : String(cell)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }
  return (
    <figure>
      <figcaption>
        First {preview.bytesRead} bytes of {preview.path || "the endpoint"}
        {preview.contentType ? ` (${preview.contentType})` : ""}
        {preview.encoding === "base64" ? ", binary, shown as base64" : ""}
      </figcaption>
      <pre className="preview-bytes">{preview.content}</pre>
    </figure>
  );
}

export function BrowsePanel({ connectionId }: { connectionId: string }) {
  const browse = useBrowse(connectionId);
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [preview, setPreview] = useState<Preview | null>(null);
  const [previewing, setPreviewing] = useState<string | null>(null);
  const [previewError, setPreviewError] = useState<unknown>(null);
  const started = browse.nodes[""] !== undefined;

  const toggle = (item: BrowseItem) => {
    const next = new Set(expanded);
    if (next.has(item.path)) next.delete(item.path);
    else {
      next.add(item.path);
      if (!browse.nodes[item.path]) void browse.load(item.path, null);
    }
    setExpanded(next);
  };

  const showPreview = async (item: BrowseItem) => {
    setPreviewing(item.path || item.name);
    setPreview(null);
    setPreviewError(null);
    try {
      const answer = await call<Preview>("GET", `/api/v1/data-connections/${connectionId}/preview${query({ path: item.path, limit: 50 })}`);
      setPreview(answer.data);
    } catch (error) {
      setPreviewError(error);
    } finally {
      setPreviewing(null);
    }
  };

  if (!started) {
    return (
      <Empty title="See what is behind this connection.">
        <button type="button" onClick={() => void browse.load("", null)}>
          Browse
        </button>
      </Empty>
    );
  }
  return (
    <div className="browse">
      <nav aria-label="Contents" className="browse-tree">
        <Level path="" browse={browse} expanded={expanded} toggle={toggle} onPreview={(item) => void showPreview(item)} />
      </nav>
      <section aria-label="Preview" className="browse-preview" aria-live="polite">
        {previewing ? <Busy label={`Reading ${previewing}`} /> : null}
        <ErrorBox error={previewError} />
        {preview ? <PreviewTable preview={preview} /> : null}
      </section>
    </div>
  );
}
