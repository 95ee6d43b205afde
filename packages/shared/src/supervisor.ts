import { z } from 'zod';
import { roleSchema, userSchema, type User } from './auth.ts';
import { auditRecordSchema } from './recording.ts';
import { traceMessageSchema } from './sim.ts';

/**
 * The REST shapes of the supervisor view (GIR: SpeechMiner UI) and its administration pages:
 * a recording's call ladder, the audit log's filters, users and groups.
 */

/**
 * `GET /recordings/{id}/ladder`: the SIP and MSML messages of the recording's call, kept with the
 * recording when the call ended. Empty for calls that ended before ladders were kept.
 */
export const callLadderSchema = z.object({
  recordingId: z.string(),
  connId: z.string(),
  messages: z.array(traceMessageSchema),
});
export type CallLadder = z.infer<typeof callLadderSchema>;

/** `GET /admin/audit`: newest first, filtered by who, which recording and what. */
export const auditQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** pages back from this sequence number (the previous page's `nextCursor`) */
  before: z.coerce.number().int().min(1).optional(),
  /** the user id that acted */
  actor: z.string().max(128).optional(),
  /** records about this recording (its media included) */
  recordingId: z.string().max(128).optional(),
  action: auditRecordSchema.shape.action.optional(),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;

/** A group name, as users carry it. */
export const groupNameSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a group is 1 to 64 letters, digits, . _ -');

/** `POST /admin/users`: a new user of the tenant. */
export const createUserRequestSchema = z.object({
  username: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a username is 1 to 64 letters, digits, . _ -'),
  password: z.string().min(8, 'a password has 8 characters or more').max(1024),
  role: roleSchema,
  dn: z
    .string()
    .regex(/^\+?[0-9]{2,20}$/, 'a DN is 2 to 20 digits')
    .optional(),
  group: groupNameSchema.optional(),
});
export type CreateUserRequest = z.infer<typeof createUserRequestSchema>;

/** `PATCH /admin/users/{username}`: what changes; `null` removes a DN or a group. */
export const updateUserRequestSchema = z
  .object({
    role: roleSchema.optional(),
    dn: z
      .string()
      .regex(/^\+?[0-9]{2,20}$/, 'a DN is 2 to 20 digits')
      .nullable()
      .optional(),
    group: groupNameSchema.nullable().optional(),
    password: z.string().min(8, 'a password has 8 characters or more').max(1024).optional(),
    ownRecordings: z.boolean().optional(),
    mayDownload: z.boolean().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'name at least one field to change');
export type UpdateUserRequest = z.infer<typeof updateUserRequestSchema>;

export const userListSchema = z.object({ users: z.array(userSchema) });
export type UserList = z.infer<typeof userListSchema>;

/** `GET /admin/groups`: each group with its supervisors and agents (a group is what users share). */
export const groupListSchema = z.object({
  groups: z.array(
    z.object({
      name: z.string(),
      supervisors: z.array(z.string()),
      agents: z.array(z.string()),
    }),
  ),
});
export type GroupList = z.infer<typeof groupListSchema>;

/** Whether a user may download the recordings it can play: admins, and supervisors keeping the right. */
export function mayDownload(user: User): boolean {
  return user.role === 'admin' || (user.role === 'supervisor' && user.mayDownload !== false);
}
