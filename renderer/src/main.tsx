import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { setClient } from './api/client';
import { pickClient } from './api/pick-client';
import { watchEnvironment } from './api/environment-watch';
import { useDiagnostics } from './stores/diagnostics';
import { App } from './components/App';
import './styles.css';

setClient(watchEnvironment(pickClient(), (reason) => useDiagnostics.getState().markUnavailable(reason)));
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
