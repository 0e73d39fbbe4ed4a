// SPDX-License-Identifier: MIT
//
// The whole public API in one include, for applications and examples. Libraries built on
// Crucible should include the headers of the layers they use instead.
#pragma once

#include "crucible/core/errors.hpp"
#include "crucible/core/result.hpp"
#include "crucible/core/row.hpp"
#include "crucible/core/types.hpp"
#include "crucible/core/value.hpp"
#include "crucible/engine/connection.hpp"
#include "crucible/engine/engine.hpp"
#include "crucible/engine/events.hpp"
#include "crucible/engine/retry.hpp"
#include "crucible/engine/schema.hpp"
#include "crucible/engine/url.hpp"
#include "crucible/sql/dml.hpp"
#include "crucible/sql/expression.hpp"
#include "crucible/sql/functions.hpp"
#include "crucible/sql/schema.hpp"
#include "crucible/sql/select.hpp"
#include "crucible/sql/text.hpp"
#include "crucible/orm/mapping.hpp"
#include "crucible/orm/session.hpp"
#include "crucible/orm/query.hpp"
#include "crucible/orm/inspection.hpp"
#include "crucible/orm/events.hpp"
#include "crucible/orm/hybrid.hpp"
#include "crucible/orm/scoped_session.hpp"
#include "crucible/orm/retry.hpp"
#include "crucible/monitor/monitor.hpp"
#include "crucible/migrate/inspector.hpp"
#include "crucible/migrate/operations.hpp"
