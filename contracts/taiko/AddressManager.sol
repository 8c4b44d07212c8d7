// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title AddressManager
/// @notice The name book of the local Taiko A4 deployment: (domain, name) → address, set by its owner. Taiko's
/// contracts find each other through it ("taiko", "prover_pool", "taiko_token", "dao", …), with the domain a
/// chain id. The same two functions and event as eldfell's AddressManager (common/AddressManager.sol), without
/// its proxy and initializer.
contract AddressManager is Ownable {
    mapping(uint256 domain => mapping(bytes32 name => address addr)) private _addresses;

    /// @notice `_name` in `_domain` now points at `_newAddress` (it pointed at `_oldAddress`).
    event AddressSet(uint256 indexed _domain, bytes32 indexed _name, address _newAddress, address _oldAddress);

    constructor(address owner) Ownable(owner) {}

    /// @notice Owner: point `name` in `domain` at `newAddress` (zero removes it).
    function setAddress(uint256 domain, bytes32 name, address newAddress) external onlyOwner {
        address oldAddress = _addresses[domain][name];
        _addresses[domain][name] = newAddress;
        emit AddressSet(domain, name, newAddress, oldAddress);
    }

    /// @notice The address `name` points at in `domain`, zero when none.
    function getAddress(uint256 domain, bytes32 name) external view returns (address) {
        return _addresses[domain][name];
    }
}
