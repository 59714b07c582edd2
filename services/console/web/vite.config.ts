import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { devBff } from './dev/devBff.ts';

// `npm run dev` proxies /api and /auth to the console's BFF (CRM_BFF_URL, default :8000).
// With CRM_DEV_SERVICES=1 it instead answers them itself (dev/devBff.ts): a stand-in BFF
// for local trials against the services alone; never part of the build.
const bff = process.env.CRM_BFF_URL ?? 'http://127.0.0.1:8000';
const standIn = process.env.CRM_DEV_SERVICES === '1';

export default defineConfig({
  plugins: [react(), ...(standIn ? [devBff()] : [])],
  server: {
    host: '127.0.0.1',
    proxy: standIn
      ? undefined
      : {
          '/api': { target: bff, changeOrigin: false },
          '/auth': { target: bff, changeOrigin: false },
        },
  },
  build: {
    outDir: 'dist',
    chunkSizeWarningLimit: 800,
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
