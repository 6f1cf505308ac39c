/** Static files of the dashboard (filled in with the dashboard itself). */
export const DASHBOARD_ASSETS: Record<string, { path: string; type: string }> = {};

export function dashboardPage(_endpoint: string, _assetsBase: string): string {
  return '<!doctype html><title>Transferscope</title><p>The dashboard is not built yet.</p>';
}
