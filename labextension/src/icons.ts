/** Icons bundled as LabIcons (inline SVG, themed by jp-icon3): nothing is fetched at run time. */
import { LabIcon } from '@jupyterlab/ui-components';

const svg = (body: string): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">${body}</svg>`;

export const dataIcon = new LabIcon({
  name: 'openvre:data',
  svgstr: svg(
    '<g class="jp-icon3" fill="#616161"><path d="M12 2C7.6 2 4 3.6 4 5.5v13C4 20.4 7.6 22 12 22s8-1.6 8-3.5v-13C20 3.6 16.4 2 12 2zm0 2c3.7 0 6 1.2 6 1.5S15.7 7 12 7 6 5.8 6 5.5 8.3 4 12 4zM6 8.1C7.5 8.7 9.6 9 12 9s4.5-.3 6-.9V12c0 .3-2.3 1.5-6 1.5S6 12.3 6 12V8.1zm0 6.5c1.5.6 3.6.9 6 .9s4.5-.3 6-.9v3.9c0 .3-2.3 1.5-6 1.5s-6-1.2-6-1.5v-3.9z"/></g>'
  )
});

export const workflowIcon = new LabIcon({
  name: 'openvre:workflows',
  svgstr: svg(
    '<g class="jp-icon3" fill="#616161"><rect x="2" y="3" width="8" height="5" rx="1"/><rect x="14" y="9.5" width="8" height="5" rx="1"/><rect x="2" y="16" width="8" height="5" rx="1"/><path d="M6 8v8h1.5V8zM10 5.5h4.5v4h-1.5V7H10zM10 18.5h4.5v-4h-1.5V17H10z"/></g>'
  )
});

export const publishIcon = new LabIcon({
  name: 'openvre:publish',
  svgstr: svg(
    '<g class="jp-icon3" fill="#616161"><path d="M12 2 6 8h4v7h4V8h4z"/><path d="M4 17h2v3h12v-3h2v5H4z"/></g>'
  )
});

export const dashboardIcon = new LabIcon({
  name: 'openvre:dashboard',
  svgstr: svg(
    '<g class="jp-icon3" fill="#616161"><path d="M3 3h8v10H3zm10 0h8v6h-8zM3 15h8v6H3zm10-4h8v10h-8z"/></g>'
  )
});
