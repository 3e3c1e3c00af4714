import {z} from 'zod';

/**
 * An admin's signature on a statement (a key's or a service's): its own module so that the
 * entities and the service definitions can both use it without importing each other.
 */
export const AdminSignature = z.object({admin: z.string().regex(/^[0-9a-f]{64}$/), signature: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/)}).strict();
export type AdminSignature = z.infer<typeof AdminSignature>;
