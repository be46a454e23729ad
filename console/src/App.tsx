import { createBrowserRouter, Navigate, NavLink, Outlet, useLocation } from "react-router";
import { adminRoutes } from "./pages/admin/AdminLayout";
import { ConnectionList } from "./pages/ConnectionList";
import { ConnectionPage } from "./pages/ConnectionPage";
import { NewConnection } from "./pages/NewConnection";
import { SignIn } from "./pages/SignIn";
import { useSession } from "./session";
import { Busy } from "./components/common";

function Shell() {
  const { me, loading, signOut } = useSession();
  const location = useLocation();
  if (loading) return <Busy label="Loading the console" />;
  if (!me) return <Navigate to="/sign-in" replace state={{ from: location.pathname }} />;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <nav aria-label="Main" className="container-fluid">
          <ul>
            <li>
              <NavLink to="/" className="brand" end>
                dcaas
              </NavLink>
            </li>
          </ul>
          <ul>
            <li>
              <NavLink to="/" end>
                Connections
              </NavLink>
            </li>
            <li>
              <NavLink to="/connections/new">New connection</NavLink>
            </li>
            <li>
              <NavLink to="/admin">Admin</NavLink>
            </li>
            <li>
              <a href="/api/v1/docs">API docs</a>
            </li>
            <li>
              <span className="who" title={`Tenant ${me.tenantName}`}>
                {me.subject}
                {me.isAdmin ? " (admin)" : ""}
              </span>
            </li>
            <li>
              <button type="button" className="secondary outline" onClick={() => void signOut()}>
                Sign out
              </button>
            </li>
          </ul>
        </nav>
      </header>
      <main id="main" className="container">
        <Outlet />
      </main>
    </>
  );
}

export const router = createBrowserRouter([
  { path: "/sign-in", element: <SignIn /> },
  {
    element: <Shell />,
    children: [
      { path: "/", element: <ConnectionList /> },
      { path: "/connections", element: <Navigate to="/" replace /> },
      { path: "/connections/new", element: <NewConnection /> },
      { path: "/connections/:id", element: <ConnectionPage /> },
      adminRoutes,
      { path: "*", element: <Navigate to="/" replace /> },
    ],
  },
]);
