# CPACK_PROJECT_CONFIG_FILE: read by cpack for each generator it runs. The Debian package needs
# a maintainer (packaging.cmake: TGMESH_PACKAGE_MAINTAINER), and its install prefix is its own
# (it would put the source tarball's files under usr/ too).
if(CPACK_GENERATOR STREQUAL "DEB")
  if("${CPACK_DEBIAN_PACKAGE_MAINTAINER}" STREQUAL "")
    message(FATAL_ERROR "mosquitto-tgmesh: the Debian package needs a maintainer and this build tree "
      "has none: configure it with -DTGMESH_PACKAGE_MAINTAINER=\"Full Name <email>\" (or set "
      "DEBFULLNAME and DEBEMAIL, or git config user.name and user.email, and configure again)")
  endif()
  set(CPACK_PACKAGING_INSTALL_PREFIX "${CPACK_TGMESH_INSTALL_PREFIX}")
endif()
