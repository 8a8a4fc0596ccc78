# Install rules and the Debian package mosquitto-tgmesh, built with CPack from a normal build
# tree:  cd build && cpack -G DEB   (or: cmake --build build --target package)
# Sources of the packaged files are in this folder; README.md "Install from the Debian package".

# Debian's layout by default: the plugin goes next to Debian's own mosquitto plugins, in
# /usr/lib/<multiarch>/, which GNUInstallDirs picks only for the prefix /usr. Build trees
# configured before these rules existed hold CMake's default /usr/local in their cache: they
# move to /usr once. A prefix given with -DCMAKE_INSTALL_PREFIX is kept.
if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT OR
   (DEFINED CACHE{CMAKE_CACHE_MAJOR_VERSION} AND NOT DEFINED CACHE{TGMESH_INSTALL_PREFIX_DEFAULTED}
    AND CMAKE_INSTALL_PREFIX STREQUAL "/usr/local"))
  set(CMAKE_INSTALL_PREFIX /usr CACHE PATH "Install path prefix (/usr: Debian's layout)" FORCE)
endif()
set(TGMESH_INSTALL_PREFIX_DEFAULTED ON CACHE INTERNAL "the /usr default prefix was applied")
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(WARNING "CMAKE_INSTALL_PREFIX is ${CMAKE_INSTALL_PREFIX}: the Debian package is meant "
                  "for /usr (the plugin next to Debian's mosquitto plugins)")
endif()
include(GNUInstallDirs)

set(TGMESH_PLUGIN_PATH ${CMAKE_INSTALL_FULL_LIBDIR}/mosquitto_tgmesh.so)
set(TGMESH_DOC_DIR_REL ${CMAKE_INSTALL_DATAROOTDIR}/doc/mosquitto-tgmesh)
set(TGMESH_DOC_DIR ${CMAKE_INSTALL_PREFIX}/${TGMESH_DOC_DIR_REL})
set(TGMESH_CONF_DIR ${CMAKE_INSTALL_FULL_SYSCONFDIR}/mosquitto/conf.d)  # /etc/... for /usr
set(TGMESH_PACKAGING_OUT ${CMAKE_BINARY_DIR}/packaging)

# The package's maintainer: its Maintainer field, the changelog's trailer line and the
# copyright file's Upstream-Contact. -DTGMESH_PACKAGE_MAINTAINER="Full Name <email>"; left
# empty, it is taken, as dch does, from DEBFULLNAME and DEBEMAIL in the environment (DEBEMAIL
# may be "Full Name <email>" itself), else from the git identity of the source tree
# (user.name, user.email), and kept in the cache. Without any, configuring goes on and cpack
# refuses (cpack-per-generator.cmake).
set(TGMESH_PACKAGE_MAINTAINER "" CACHE STRING
    "Maintainer of the Debian package, \"Full Name <email>\" (empty: DEBFULLNAME and DEBEMAIL, else git's user.name and user.email)")
if(TGMESH_PACKAGE_MAINTAINER STREQUAL "")
  set(maintainer_name "$ENV{DEBFULLNAME}")
  set(maintainer_email "$ENV{DEBEMAIL}")
  if(maintainer_email MATCHES "^(.*[^ ]) *<(.*)>$")
    if(maintainer_name STREQUAL "")
      set(maintainer_name "${CMAKE_MATCH_1}")
    endif()
    set(maintainer_email "${CMAKE_MATCH_2}")
  endif()
  set(maintainer_from "DEBFULLNAME and DEBEMAIL")
  if(maintainer_name STREQUAL "" OR maintainer_email STREQUAL "")
    find_package(Git QUIET)
    set(maintainer_name "")
    set(maintainer_email "")
    if(GIT_EXECUTABLE)
      execute_process(COMMAND ${GIT_EXECUTABLE} config user.name WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                      OUTPUT_VARIABLE maintainer_name OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
      execute_process(COMMAND ${GIT_EXECUTABLE} config user.email WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                      OUTPUT_VARIABLE maintainer_email OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    endif()
    set(maintainer_from "git config user.name and user.email")
  endif()
  if(NOT maintainer_name STREQUAL "" AND NOT maintainer_email STREQUAL "")
    set(TGMESH_PACKAGE_MAINTAINER "${maintainer_name} <${maintainer_email}>" CACHE STRING
        "Maintainer of the Debian package, \"Full Name <email>\" (empty: DEBFULLNAME and DEBEMAIL, else git's user.name and user.email)"
        FORCE)
    message(STATUS "Debian package maintainer (from ${maintainer_from}): ${TGMESH_PACKAGE_MAINTAINER}")
  else()
    message(STATUS "Debian package maintainer: none (cpack -G DEB will refuse); configure with "
                   "-DTGMESH_PACKAGE_MAINTAINER=\"Full Name <email>\", or set DEBFULLNAME and DEBEMAIL")
  endif()
endif()
if(NOT TGMESH_PACKAGE_MAINTAINER STREQUAL "" AND
   NOT TGMESH_PACKAGE_MAINTAINER MATCHES "^[^<>]*[^<> ] <[^<> ]+@[^<> ]+>$")
  message(FATAL_ERROR "TGMESH_PACKAGE_MAINTAINER must read \"Full Name <email>\", not \"${TGMESH_PACKAGE_MAINTAINER}\"")
endif()

# The conf.d snippet (every line commented out) and the man page name the installed paths.
configure_file(${CMAKE_CURRENT_LIST_DIR}/tgmesh.conf.in ${TGMESH_PACKAGING_OUT}/tgmesh.conf @ONLY)
configure_file(${CMAKE_CURRENT_LIST_DIR}/mosquitto-tgmesh.7.in ${TGMESH_PACKAGING_OUT}/mosquitto-tgmesh.7 @ONLY)
find_program(GZIP gzip REQUIRED)
# -n: no name or time stamp in the gzip header, so the same text gives the same bytes.
# The changelog's and the copyright file's @TGMESH_PACKAGE_MAINTAINER@ is the maintainer above.
configure_file(${CMAKE_CURRENT_LIST_DIR}/changelog ${TGMESH_PACKAGING_OUT}/changelog.Debian @ONLY)
configure_file(${CMAKE_CURRENT_LIST_DIR}/copyright ${TGMESH_PACKAGING_OUT}/copyright @ONLY)
execute_process(COMMAND ${GZIP} -9 -n -f -k ${TGMESH_PACKAGING_OUT}/mosquitto-tgmesh.7
                        ${TGMESH_PACKAGING_OUT}/changelog.Debian
                COMMAND_ERROR_IS_FATAL ANY)
file(WRITE ${TGMESH_PACKAGING_OUT}/conffiles "${TGMESH_CONF_DIR}/tgmesh.conf\n")

install(TARGETS mosquitto_tgmesh
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${TGMESH_PACKAGING_OUT}/tgmesh.conf DESTINATION ${TGMESH_CONF_DIR})
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${TGMESH_PACKAGING_OUT}/copyright
              ${TGMESH_PACKAGING_OUT}/changelog.Debian.gz DESTINATION ${TGMESH_DOC_DIR_REL})
install(FILES ${TGMESH_PACKAGING_OUT}/mosquitto-tgmesh.7.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man7)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/lintian-overrides
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides RENAME mosquitto-tgmesh)

# --- CPack: one Debian package ---------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mosquitto-tgmesh)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR tgmesh)
set(CPACK_PACKAGE_CONTACT "${TGMESH_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${TGMESH_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Meshtastic to Telegram bridge plugin for the mosquitto MQTT broker")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "tgmesh runs inside mosquitto 2.0. It sees the Meshtastic traffic that
gateway nodes publish to the broker, posts the texts of a mesh channel to
Telegram chats, and lets chat members write back to the mesh: broadcasts,
direct messages to nodes (PKI-encrypted when the node's key is known), the
list of nodes heard and a probe.
.
The plugin is installed next to Debian's own mosquitto plugins and stays
disabled until /etc/mosquitto/conf.d/tgmesh.conf is edited; see
mosquitto-tgmesh(7).")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # mosquitto-tgmesh_<version>-<release>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The broker the plugin is built for: the Mosquitto series of the headers this build compiles
# against (MOSQUITTO_INCLUDE_DIR, found in CMakeLists.txt). A binary serves one series only
# (README "Mosquitto versions": a 2.1 build references symbols 2.0 lacks, a 2.0 build reads
# 2.0-only structures), hence the upper bound; "~" keeps the next series' pre-releases
# (2.1~rc1) out too. The lower bound is the headers' own version (Debian 12: 2.0.11): the
# binary is compiled against those declarations and structures and tested with that broker;
# an older one may lack what they declare. dpkg-shlibdeps adds the shared libraries the plugin
# links (libcurl, libcjson, libcrypto, libprotobuf-c, libstdc++...).
# 2.0 defines the version in mosquitto.h; 2.1 in mosquitto/libmosquitto.h (which mosquitto.h
# includes), next to the mosquitto/broker_plugin.h that plugin/broker/mosquitto_api.h prefers.
set(TGMESH_MOSQUITTO_VERSION_HEADER "")
foreach(header mosquitto/libmosquitto.h mosquitto.h)
  if(EXISTS ${MOSQUITTO_INCLUDE_DIR}/${header})
    set(TGMESH_MOSQUITTO_VERSION_HEADER ${MOSQUITTO_INCLUDE_DIR}/${header})
    break()
  endif()
endforeach()
if(NOT TGMESH_MOSQUITTO_VERSION_HEADER)
  message(FATAL_ERROR "Neither mosquitto/libmosquitto.h (Mosquitto 2.1) nor mosquitto.h (2.0) is in "
                      "${MOSQUITTO_INCLUDE_DIR}, where the broker headers were found: the package's "
                      "Depends need the Mosquitto version (Debian 12: install libmosquitto-dev, as "
                      "scripts/install-deps.sh does)")
endif()
file(STRINGS ${TGMESH_MOSQUITTO_VERSION_HEADER} mosquitto_version_lines
     REGEX "^#define LIBMOSQUITTO_(MAJOR|MINOR|REVISION) +[0-9]+")
foreach(part MAJOR MINOR REVISION)
  if(NOT mosquitto_version_lines MATCHES "LIBMOSQUITTO_${part} +([0-9]+)")
    message(FATAL_ERROR "${TGMESH_MOSQUITTO_VERSION_HEADER} defines no LIBMOSQUITTO_${part}: "
                        "cannot tell which Mosquitto the package depends on")
  endif()
  set(mosquitto_${part} ${CMAKE_MATCH_1})
endforeach()
set(TGMESH_MOSQUITTO_VERSION ${mosquitto_MAJOR}.${mosquitto_MINOR}.${mosquitto_REVISION})
math(EXPR mosquitto_next_minor "${mosquitto_MINOR} + 1")
set(TGMESH_MOSQUITTO_DEPENDS
    "mosquitto (>= ${TGMESH_MOSQUITTO_VERSION}), mosquitto (<< ${mosquitto_MAJOR}.${mosquitto_next_minor}~)")
message(STATUS "Debian package for Mosquitto ${TGMESH_MOSQUITTO_VERSION} "
               "(${TGMESH_MOSQUITTO_VERSION_HEADER}): Depends: ${TGMESH_MOSQUITTO_DEPENDS}")
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${TGMESH_MOSQUITTO_DEPENDS}")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# CMake 3.25 (Debian 12) does not mark /etc files as conffiles by itself. The postinst restarts
# a running mosquitto after an upgrade (packaging/postinst); it takes the place of the one CPack
# generates for a package with files in /usr/lib (an ldconfig call the plugin does not need).
# CPack's postrm (ldconfig on remove) stays: harmless. Strict permissions: 0755 for the script.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${TGMESH_PACKAGING_OUT}/conffiles ${CMAKE_CURRENT_LIST_DIR}/postinst)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_TGMESH_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})  # the package's prefix (DEB only)
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_CURRENT_LIST_DIR}/cpack-per-generator.cmake)
set(CPACK_SOURCE_GENERATOR TGZ)  # package_source: the sources without build trees
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/\\\\.git$" "/build[^/]*/" "/\\\\.dev/" "__pycache__")
include(CPack)
