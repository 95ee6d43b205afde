import { z } from 'zod';

export const roleSchema = z.enum(['agent', 'supervisor', 'admin']);
export type Role = z.infer<typeof roleSchema>;

export const loginRequestSchema = z.object({
  username: z.string().min(1).max(128),
  password: z.string().min(1).max(1024),
});
export type LoginRequest = z.infer<typeof loginRequestSchema>;

export const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  role: roleSchema,
  dn: z.string().optional(),
  group: z.string().optional(),
  /** an agent given the right to see the recordings it took part in */
  ownRecordings: z.boolean().optional(),
  /** false: a supervisor an admin withdrew the download right from (admins always may, agents never) */
  mayDownload: z.boolean().optional(),
});
export type User = z.infer<typeof userSchema>;

/** `PUT /admin/users/{username}/rights`: what an admin lets a user see beyond its role. */
export const userRightsRequestSchema = z.object({ ownRecordings: z.boolean() });

export const loginResponseSchema = z.object({
  token: z.string(),
  user: userSchema,
});
export type LoginResponse = z.infer<typeof loginResponseSchema>;
