// doctest for translation units that include torch headers. Include it after them.
// libtorch's logging (glog here) defines CHECK, CHECK_EQ, ... as aborting assertions; left in
// place they would silently replace doctest's CHECK macros of the same names.
#pragma once

#undef CHECK
#undef CHECK_EQ
#undef CHECK_NE
#undef CHECK_GT
#undef CHECK_GE
#undef CHECK_LT
#undef CHECK_LE
#include <doctest/doctest.h>
