export interface ClientTables {}
