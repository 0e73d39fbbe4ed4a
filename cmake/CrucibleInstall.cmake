# SPDX-License-Identifier: MIT
# Installation and package config (filled in by the build issue work).
