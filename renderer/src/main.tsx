import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { setClient } from './api/client';
import { pickClient } from './api/pick-client';
import { App } from './components/App';
import './styles.css';

setClient(pickClient());
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
