export interface SocialTables {}
