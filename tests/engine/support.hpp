// SPDX-License-Identifier: MIT
// Engine test helpers (the temporary directory is shared by every test folder).
#pragma once

#include "support/temp_dir.hpp"
