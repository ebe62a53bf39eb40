// libpq, the PostgreSQL client library, for PGStore. The header is found through libpq.pc
// (-I/usr/include/postgresql on Debian; Homebrew's keg-only libpq needs PKG_CONFIG_PATH).
#ifndef FINOPS_CLIBPQ_SHIM_H
#define FINOPS_CLIBPQ_SHIM_H

#include <libpq-fe.h>

#endif
