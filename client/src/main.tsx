// First: zod's eval probe runs when the first schema is built (see zodCsp.ts).
import './zodCsp';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { SignalingClient } from './signaling/SignalingClient';
import { savedTheme } from './theme';
import { initI18n } from './i18n';
import './styles.css';

document.documentElement.dataset.theme = savedTheme();
initI18n();

// One signaling connection per page, opened before the first render so its state is live at once.
const signaling = new SignalingClient();
// Handles for tests and debugging from the console (the room client is added when a room opens).
Object.assign(window, { __confer: { signaling } });

const root = document.getElementById('root');
if (!root) throw new Error('#root missing from index.html');
createRoot(root).render(
  <StrictMode>
    <App signaling={signaling} />
  </StrictMode>,
);
