import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';
import { initI18n } from '../i18n';

// Component tests read the English names.
initI18n('en');

afterEach(() => cleanup());
