import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/app.tsx';
import { ControllerContext } from './components/app-context.ts';
import { createController } from './state/controller.ts';
import './styles.css';

const controller = createController();
void controller.start();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ControllerContext value={controller}>
      <App />
    </ControllerContext>
  </StrictMode>,
);
