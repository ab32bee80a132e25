import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'openvre:plugin',
  autoStart: true,
  activate: (_app: JupyterFrontEnd) => {
    console.log('openvre extension activated');
  }
};

export default plugin;
