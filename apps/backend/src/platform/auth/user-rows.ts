import type { Role, User } from '@vox/shared';

export interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  role: Role;
  dn: string | null;
  group_name: string | null;
  own_recordings: boolean;
  may_download: boolean;
}

export function rowToUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    ...(row.dn ? { dn: row.dn } : {}),
    ...(row.group_name ? { group: row.group_name } : {}),
    ...(row.own_recordings ? { ownRecordings: true } : {}),
    // Only the exception is told: a supervisor whose download right an admin withdrew.
    ...(row.role === 'supervisor' && !row.may_download ? { mayDownload: false } : {}),
  };
}
