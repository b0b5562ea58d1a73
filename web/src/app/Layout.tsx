import type { ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { useSession } from './session.js';

/** The frame around every page: where you are, where you may go, and who you are. */
export function Layout({ children }: { children: ReactNode }) {
  const { session, can, signOut } = useSession();
  const [location] = useLocation();
  const items: { href: string; label: string; show: boolean }[] = [
    { href: '/review', label: 'Review', show: can('tasks:work') },
    { href: '/console', label: 'Console', show: can('projects:read') && (can('projects:configure') || can('stats:read')) },
    { href: '/dashboards', label: 'Dashboards', show: can('stats:read') },
  ];
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link href="/" className="brand" aria-label="Tollgate home">
          Tollgate
        </Link>
        <nav aria-label="Main">
          <ul>
            {items
              .filter((i) => i.show)
              .map((i) => (
                <li key={i.href}>
                  <Link href={i.href} aria-current={location.startsWith(i.href) ? 'page' : undefined}>
                    {i.label}
                  </Link>
                </li>
              ))}
          </ul>
        </nav>
        <div className="who">
          <span title={session?.actor}>
            {session?.name ?? session?.email ?? session?.actor} · <span className="role">{session?.role}</span>
          </span>
          <button type="button" className="link" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <div id="main" className="content" tabIndex={-1}>
        {children}
      </div>
    </div>
  );
}
