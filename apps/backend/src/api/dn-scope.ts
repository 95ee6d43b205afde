import type { User } from '@vox/shared';
import type { DnDirectory } from '../telephony/sip-server/dn-directory.ts';
import { Refusal } from '../platform/refusal.ts';

/**
 * Which DNs and calls a user may act on and watch: an agent its own DN and the calls it is on; a
 * supervisor the DNs of its group and those of nobody's group (IVR ports, trunks, customers'
 * numbers), never another group's agents; an admin everything. Without this a supervisor of one
 * group could register another group's agents, answer for them and stop their recordings.
 */
export class DnScope {
  constructor(private readonly directory: Pick<DnDirectory, 'lookup'>) {}

  async mayActFor(user: User, dn: string): Promise<boolean> {
    if (user.role === 'admin') return true;
    if (user.role === 'agent') return user.dn === dn;
    const entry = await this.directory.lookup(dn);
    return !entry?.group || entry.group === user.group;
  }

  async assertMayActFor(user: User, dn: string): Promise<void> {
    if (await this.mayActFor(user, dn)) return;
    throw new Refusal(
      'forbidden',
      user.role === 'agent'
        ? `agent ${user.username} may act only for DN ${user.dn ?? '(none)'}`
        : `DN ${dn} belongs to another group than ${user.username}'s`,
    );
  }

  /** Whether the user may see a call with these parties: on it (agent), or each of them in scope. */
  async mayWatch(user: User, parties: ReadonlyArray<{ dn: string }>): Promise<boolean> {
    if (user.role === 'admin') return true;
    if (user.role === 'agent') return parties.some((p) => p.dn === user.dn);
    for (const party of parties) if (!(await this.mayActFor(user, party.dn))) return false;
    return true;
  }
}
