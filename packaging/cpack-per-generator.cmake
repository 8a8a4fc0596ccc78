# CPACK_PROJECT_CONFIG_FILE: read by cpack for each generator it runs. The install prefix is
# the Debian package's only (it would put the source tarball's files under usr/ too).
if(CPACK_GENERATOR STREQUAL "DEB")
  set(CPACK_PACKAGING_INSTALL_PREFIX "${CPACK_TGMESH_INSTALL_PREFIX}")
endif()
