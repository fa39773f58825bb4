# Messages of the jejak command line for staff (reports, imports, exports, waves).
