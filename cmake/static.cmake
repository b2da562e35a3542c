# L4S_STATIC: one fully static executable (no program interpreter, no shared
# library) for any Linux >= 3.10 whatever its libc. scripts/release drives it.
#
# Libraries come from Debian's static archives (OpenSSL, zlib, libdeflate,
# zstd, xz, bzip2, SQLite, c-ares) or, where Debian's .a is missing or needs
# libraries that have none (isa-l, curl, libpq, libarchive, libpcap), from
# Debian's source packages built by scripts/build-static-deps into
# L4S_STATIC_DEPS_PREFIX. fmt is used header-only.
#
# glibc's NSS (getaddrinfo, getpwuid...) cannot work in a static binary on a
# foreign host: the link wraps those functions (-Wl,--wrap) with
# src/core/static_nss.cc (c-ares for host names, /etc/passwd and /etc/group
# read directly), for our code and the bundled libraries alike.
set(L4S_STATIC_DEPS_PREFIX "${CMAKE_BINARY_DIR}/deps/prefix" CACHE PATH
    "Prefix of the libraries scripts/build-static-deps built")
if(NOT EXISTS "${L4S_STATIC_DEPS_PREFIX}/lib/libcurl.a")
  message(FATAL_ERROR "L4S_STATIC: no ${L4S_STATIC_DEPS_PREFIX}/lib/libcurl.a; run scripts/build-static-deps first")
endif()
if(L4S_SANITIZE OR L4S_FUZZ)
  message(FATAL_ERROR "L4S_STATIC does not go with sanitizers or fuzzing")
endif()

list(PREPEND CMAKE_PREFIX_PATH "${L4S_STATIC_DEPS_PREFIX}")
set(ENV{PKG_CONFIG_PATH} "${L4S_STATIC_DEPS_PREFIX}/lib/pkgconfig")
set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
set(OPENSSL_USE_STATIC_LIBS TRUE)
set(ZLIB_USE_STATIC_LIBS TRUE)
set(Boost_USE_STATIC_LIBS TRUE)

add_link_options(-static)

# fmt header-only (Debian 12 ships no libfmt.a).
add_library(fmt::fmt INTERFACE IMPORTED)
set_target_properties(fmt::fmt PROPERTIES INTERFACE_COMPILE_DEFINITIONS FMT_HEADER_ONLY=1)

# NSS functions replaced at link time (see src/core/static_nss.cc).
set(L4S_STATIC_WRAPPED getaddrinfo freeaddrinfo getnameinfo getservbyname getservbyport_r
    gethostbyname getnetbyname_r getprotobyname_r
    getpwuid getpwuid_r getpwnam getpwnam_r getgrgid getgrgid_r getgrnam getgrnam_r)

find_library(L4S_CARES_LIB cares REQUIRED)
find_library(L4S_SSL_LIB ssl REQUIRED)
find_library(L4S_CRYPTO_LIB crypto REQUIRED)
find_library(L4S_Z_LIB z REQUIRED)
find_library(L4S_ZSTD_LIB zstd REQUIRED)
find_library(L4S_LZMA_LIB lzma REQUIRED)
find_library(L4S_BZ2_LIB bz2 REQUIRED)
find_library(L4S_PGCOMMON_LIB pgcommon PATHS "${L4S_STATIC_DEPS_PREFIX}/lib" NO_DEFAULT_PATH REQUIRED)
find_library(L4S_PGPORT_LIB pgport PATHS "${L4S_STATIC_DEPS_PREFIX}/lib" NO_DEFAULT_PATH REQUIRED)
find_path(L4S_CARES_INCLUDE ares.h REQUIRED)
set(_wraps "")
foreach(f IN LISTS L4S_STATIC_WRAPPED)
  string(APPEND _wraps " -Wl,--wrap=${f}")
endforeach()
# At the very end of every link line, in a group: what the bundled archives
# themselves need (CMake's imported targets do not say it for static ones).
set(CMAKE_CXX_STANDARD_LIBRARIES
    "${_wraps} -Wl,--start-group ${L4S_PGCOMMON_LIB} ${L4S_PGPORT_LIB} ${L4S_SSL_LIB} ${L4S_CRYPTO_LIB} ${L4S_CARES_LIB} ${L4S_ZSTD_LIB} ${L4S_LZMA_LIB} ${L4S_BZ2_LIB} ${L4S_Z_LIB} -Wl,--end-group -lpthread -ldl -lm")

# Called once log4shield exists: the NSS replacements go into it.
function(l4s_static_finish)
  add_library(l4s_static_nss OBJECT ${CMAKE_SOURCE_DIR}/src/core/static_nss.cc)
  target_include_directories(l4s_static_nss PRIVATE ${CMAKE_SOURCE_DIR}/src ${L4S_CARES_INCLUDE})
  target_compile_definitions(l4s_static_nss PRIVATE CARES_STATICLIB)
  # Objects, not an archive: they are on the link line before every library
  # whose calls they take.
  target_sources(log4shield PRIVATE $<TARGET_OBJECTS:l4s_static_nss>)
  add_dependencies(log4shield l4s_static_nss)
endfunction()
