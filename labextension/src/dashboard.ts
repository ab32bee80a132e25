/** "Open as dashboard": the notebook rendered by Voilà (served by the same Jupyter server) in a new tab. */
import { PageConfig, URLExt } from '@jupyterlab/coreutils';

export function dashboardUrl(path: string): string {
  return URLExt.join(PageConfig.getBaseUrl(), 'voila/render', URLExt.encodeParts(path));
}

export function openDashboard(path: string): void {
  window.open(dashboardUrl(path), '_blank', 'noopener');
}
