import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectAs, eventually } from '../helpers/hub-client';
import { spawnRelay, tempDir, type ChildRelay } from '../helpers/relay';

/** The patients on the tasks in the relay's database (read-only; the relay may still be writing). */
function storedPatients(dataDir: string): Array<{ name: string; mrn: string | null }> {
  const db = new Database(join(dataDir, 'wardline.db'), { readonly: true });
  try {
    return (db.prepare('SELECT body FROM tasks').all() as Array<{ body: string }>)
      .map((r) => (JSON.parse(r.body) as { patient: { name: string; mrn: string | null } | null }).patient)
      .filter((p) => p !== null);
  } finally {
    db.close();
  }
}

/** No patient data in logs: after a demo run with staff at work, no name and no MRN appears. */
describe('the relay log after a demo run', () => {
  const data = tempDir();
  let child: ChildRelay | undefined;
  afterAll(() => {
    child?.process.kill('SIGKILL');
    data.remove();
  });

  it('contains ids, and no patient name or MRN from the demo data', async () => {
    child = await spawnRelay({ DATA_DIR: data.path, DEMO_FEED: 'on', DEMO_RATE: '6000', LOG_LEVEL: 'debug' });
    // Wait for the demo feed to have routed a ward's worth of work, not a fixed 1.5 s (too short at load).
    await eventually(() => storedPatients(data.path).length > 100, 30_000);
    const nurse = await connectAs(child.url, 'nurse-okafor');
    const view = await nurse.syncAll(0);
    let claimed = 0;
    for (const task of [...view.tasks.values()].filter((t) => !t.owner).slice(0, 5)) {
      if ((await nurse.execute(task.id, 'claim')).status === 'applied') claimed++;
      await nurse.execute(task.id, 'comment', {
        text: `Spoke with ${task.patient?.name ?? 'patient'} about transport`,
      });
    }
    await nurse.stop();
    await new Promise((r) => setTimeout(r, 1_000));
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);

    const patients = storedPatients(data.path);

    const log = child.output();
    expect(claimed).toBeGreaterThan(0);
    expect(patients.length).toBeGreaterThan(100);
    expect(log).toMatch(/"msg":"staff action"/);
    expect(log).toMatch(/"commandId":"/);
    for (const p of patients) {
      expect(log.includes(p.name), `patient name ${p.name} in the log`).toBe(false);
      if (p.mrn) expect(log.includes(p.mrn), `MRN ${p.mrn} in the log`).toBe(false);
    }
    expect(log).not.toMatch(/Spoke with/);
  });
});
