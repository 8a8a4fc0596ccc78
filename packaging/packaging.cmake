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

# The conf.d snippet (every line commented out) and the man page name the installed paths.
configure_file(${CMAKE_CURRENT_LIST_DIR}/tgmesh.conf.in ${TGMESH_PACKAGING_OUT}/tgmesh.conf @ONLY)
configure_file(${CMAKE_CURRENT_LIST_DIR}/mosquitto-tgmesh.7.in ${TGMESH_PACKAGING_OUT}/mosquitto-tgmesh.7 @ONLY)
find_program(GZIP gzip REQUIRED)
# -n: no name or time stamp in the gzip header, so the same text gives the same bytes.
configure_file(${CMAKE_CURRENT_LIST_DIR}/changelog ${TGMESH_PACKAGING_OUT}/changelog.Debian COPYONLY)
execute_process(COMMAND ${GZIP} -9 -n -f -k ${TGMESH_PACKAGING_OUT}/mosquitto-tgmesh.7
                        ${TGMESH_PACKAGING_OUT}/changelog.Debian
                COMMAND_ERROR_IS_FATAL ANY)
file(WRITE ${TGMESH_PACKAGING_OUT}/conffiles "${TGMESH_CONF_DIR}/tgmesh.conf\n")

install(TARGETS mosquitto_tgmesh
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${TGMESH_PACKAGING_OUT}/tgmesh.conf DESTINATION ${TGMESH_CONF_DIR})
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_CURRENT_LIST_DIR}/copyright
              ${TGMESH_PACKAGING_OUT}/changelog.Debian.gz DESTINATION ${TGMESH_DOC_DIR_REL})
install(FILES ${TGMESH_PACKAGING_OUT}/mosquitto-tgmesh.7.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man7)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/lintian-overrides
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides RENAME mosquitto-tgmesh)

# --- CPack: one Debian package ---------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mosquitto-tgmesh)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR tgmesh)
set(CPACK_PACKAGE_CONTACT "tgmesh maintainers <maintainers@users.noreply.r-seed-0385a039.example>")
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
# The broker API the plugin is written against (Debian 12 ships 2.0.11); dpkg-shlibdeps adds
# the shared libraries it links (libcurl, libcjson, libcrypto, libprotobuf-c, libstdc++...).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "mosquitto (>= 2.0.11)")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# CMake 3.25 (Debian 12) does not mark /etc files as conffiles by itself.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${TGMESH_PACKAGING_OUT}/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_TGMESH_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})  # the package's prefix (DEB only)
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_CURRENT_LIST_DIR}/cpack-per-generator.cmake)
set(CPACK_SOURCE_GENERATOR TGZ)  # package_source: the sources without build trees
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/\\\\.git$" "/build[^/]*/" "/\\\\.dev/" "__pycache__")
include(CPack)
