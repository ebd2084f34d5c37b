import { z } from 'zod';

/** Room ids appear in URLs and logs, so they are restricted to a URL-safe alphabet. */
export const roomIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'room id: 1-64 characters of A-Z, a-z, 0-9, _ or -');

export const displayNameSchema = z.string().trim().min(1, 'display name is empty').max(64);

export const joinRequestSchema = z.strictObject({
  roomId: roomIdSchema,
  displayName: displayNameSchema,
});
export type JoinRequest = z.infer<typeof joinRequestSchema>;

export const leaveRequestSchema = z.strictObject({});
export type LeaveRequest = z.infer<typeof leaveRequestSchema>;
