// The admin area. Each page is one entry of ADMIN_PAGES, with its route.
import type { ReactElement } from "react";
import { Navigate, NavLink, Outlet, type RouteObject } from "react-router";
import { PageHeading } from "../../components/common";
import { ApiKeys } from "./ApiKeys";
import { DataSources } from "./DataSources";
import { AuditEvents, Gateways, SecretReleases } from "./Records";
import { Spaces } from "./Spaces";

interface AdminPage {
  path: string;
  label: string;
  element: ReactElement;
}

export const ADMIN_PAGES: AdminPage[] = [
  { path: "spaces", label: "Spaces and members", element: <Spaces /> },
  { path: "api-keys", label: "API keys", element: <ApiKeys /> },
  { path: "data-sources", label: "Data sources", element: <DataSources /> },
  { path: "gateways", label: "Gateways", element: <Gateways /> },
  { path: "releases", label: "Secret releases", element: <SecretReleases /> },
  { path: "audit", label: "Audit events", element: <AuditEvents /> },
];

function AdminLayout() {
  return (
    <>
      <PageHeading title="Admin" />
      <div className="admin">
        <nav aria-label="Admin" className="admin-nav">
          <ul>
            {ADMIN_PAGES.map((p) => (
              <li key={p.path}>
                <NavLink to={`/admin/${p.path}`}>{p.label}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="admin-page">
          <Outlet />
        </div>
      </div>
    </>
  );
}

export const adminRoutes: RouteObject = {
  path: "/admin",
  element: <AdminLayout />,
  children: [
    { index: true, element: <Navigate to={ADMIN_PAGES[0].path} replace /> },
    ...ADMIN_PAGES.map((p) => ({ path: p.path, element: p.element })),
  ],
};
