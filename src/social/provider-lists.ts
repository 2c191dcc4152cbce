/** The device types `set_auth_providers` distinguishes; `web` when none is given. */
export const DEVICE_TYPES = ['web', 'iphone', 'android'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

/** The stored provider lists of an application, one row each. */
export const PROVIDER_LISTS = ['signin:web', 'signin:iphone', 'signin:android', 'share', 'email'] as const;
export type ProviderList = (typeof PROVIDER_LISTS)[number];

export const signinList = (device: DeviceType): ProviderList => `signin:${device}`;
