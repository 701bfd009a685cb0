import { Controller, Get, HttpStatus, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { problem, problemTypes, Public } from '@rapport/platform';

/** Where `vite build` puts the dashboard: beside the compiled apps (dist/), or under dist/ when running from sources. */
const DASHBOARD_DIR = [resolve(__dirname, '../../../../dashboard'), resolve(__dirname, '../../../../dist/dashboard')].find((dir) =>
  existsSync(resolve(dir, 'index.html')),
);

/**
 * The dashboard (apps/dashboard), served at / by the query app: its pages answer the same index.html (the app routes
 * on the client), its assets are files. The pages hold no data: every figure comes from the API with the user's key.
 */
@ApiExcludeController()
@Controller()
@Public()
export class DashboardController {
  @Get(['/', 'accounts/:id', 'backtest', 'book', 'key-accounts', 'auth/callback'])
  page(@Res() reply: FastifyReply): FastifyReply {
    return reply.header('cache-control', 'no-cache').sendFile('index.html', dashboardDir(), { cacheControl: false });
  }

  /** A missing asset is the app's 404 (problem+json), through the not-found handler. */
  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() reply: FastifyReply): FastifyReply {
    // Vite names assets by their content hash: they never change under one name.
    return reply.sendFile(file, resolve(dashboardDir(), 'assets'), { dotfiles: 'deny', maxAge: '365d', immutable: true });
  }
}

function dashboardDir(): string {
  if (DASHBOARD_DIR) return DASHBOARD_DIR;
  throw problem(HttpStatus.NOT_FOUND, problemTypes.unavailable, 'Dashboard not built', 'the dashboard is built by npm run build (vite)');
}
