import { Center, Loader } from '@mantine/core';
import { lazy, Suspense } from 'react';
import { Route, Routes } from 'react-router';
import { Shell } from './layout/Shell';
import { LiveProvider } from './live/LiveProvider';

const HomePage = lazy(() => import('./features/home/HomePage'));
const CustomersPage = lazy(() => import('./features/customers/CustomersPage'));
const Customer360Page = lazy(() => import('./features/customer360/Customer360Page'));
const BoardPage = lazy(() => import('./features/pipeline/BoardPage'));
const LeadsPage = lazy(() => import('./features/leads/LeadsPage'));
const TicketsPage = lazy(() => import('./features/tickets/TicketsPage'));
const TicketPage = lazy(() => import('./features/tickets/TicketPage'));
const DashboardsPage = lazy(() => import('./features/dashboards/DashboardsPage'));
const MarketingPage = lazy(() => import('./features/marketing/MarketingPage'));
const AdminPage = lazy(() => import('./features/admin/AdminPage'));
const PeoplePage = lazy(() => import('./features/people/PeoplePage'));
const TransfersPage = lazy(() => import('./features/transfers/TransfersPage'));
const KnowledgePage = lazy(() => import('./features/knowledge/KnowledgePage'));
const MacrosPage = lazy(() => import('./features/knowledge/MacrosPage'));
const NotFound = lazy(() => import('./features/home/NotFound'));

export function AppRoutes() {
  return (
    <LiveProvider>
      <Shell>
        <Suspense fallback={<Center py="xl"><Loader aria-label="loading" /></Center>}>
          <Routes>
            <Route path="/" element={<HomePage />} />
            <Route path="/customers" element={<CustomersPage />} />
            <Route path="/customers/:id" element={<Customer360Page />} />
            <Route path="/pipeline" element={<BoardPage />} />
            <Route path="/leads" element={<LeadsPage />} />
            <Route path="/tickets" element={<TicketsPage />} />
            <Route path="/tickets/:id" element={<TicketPage />} />
            <Route path="/dashboards" element={<DashboardsPage />} />
            <Route path="/marketing" element={<MarketingPage />} />
            <Route path="/admin" element={<AdminPage />} />
            <Route path="/admin/people" element={<PeoplePage />} />
            <Route path="/admin/macros" element={<MacrosPage />} />
            <Route path="/kb" element={<KnowledgePage />} />
            <Route path="/customers/import-export" element={<TransfersPage />} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
      </Shell>
    </LiveProvider>
  );
}
